// Drives Debian's chromium with playwright-core through the pages people look at: the case page's
// treatment timeline, the efalizumab page's mechanism graph, the header's search box and the named
// queries' forms; resolves every link of every picture. Reports what it saw as JSON on stdout.
// Usage: node tests/ui_pictures.cjs BASE_URL USER_DATA_DIR [SCREENSHOT_DIR]
const { openPage } = require("./ui_chromium.cjs");

const SVG_LINKS = (root) => Array.from(document.querySelectorAll(root + " a")).map(
  (a) => a.getAttribute("href") || a.getAttributeNS("http://www.w3.org/1999/xlink", "href")).filter(Boolean);

async function main() {
  const [base, userDataDir, shots] = process.argv.slice(2);
  const { context, page, requests, errors } = await openPage(userDataDir, { viewport: { width: 1280, height: 900 } });
  page.on("console", (message) => { if (message.type() === "error") errors.push(message.text()); });
  const seen = {};

  // 1. the case page: the timeline's course bars in document order, its step headers and responses
  await page.goto(base + "/id/case", { waitUntil: "load" });
  await page.waitForSelector("#timeline svg");
  seen.timeline = await page.evaluate(() => {
    const svg = document.querySelector("#timeline svg");
    const box = svg.getBoundingClientRect();
    const courses = Array.from(svg.querySelectorAll('a[href^="/id/course"]')).map((a) => {
      const r = a.getBoundingClientRect();
      return { href: a.getAttribute("href"), title: a.querySelector("title").textContent,
               x: Math.round(r.left - box.left), y: Math.round(r.top - box.top), width: Math.round(r.width),
               visible: r.width > 0 && r.height > 0 };
    });
    const outcomes = Array.from(svg.querySelectorAll('a[href*="outcome"]')).map((a) => ({
      href: a.getAttribute("href"), text: a.textContent.trim(), x: Math.round(a.getBoundingClientRect().left - box.left) }));
    return { title: svg.querySelector("title").textContent, desc: svg.querySelector("desc").textContent,
             text: svg.textContent, courses, outcomes, width: Math.round(box.width),
             relations: Array.from(document.querySelectorAll("table.relations td a")).map((a) => a.textContent.trim()) };
  });
  seen.caseLinks = await page.evaluate(SVG_LINKS, "section.picture");
  if (shots) await page.screenshot({ path: shots + "/case.png", fullPage: false });

  // 2. the efalizumab page: the mechanism graph's nodes and edges (each edge's label and claim link)
  await page.goto(base + "/id/efalizumab", { waitUntil: "load" });
  await page.waitForSelector("#mechanism svg g.edge");
  seen.mechanism = await page.evaluate(() => {
    const svg = document.querySelector("#mechanism svg");
    return {
      title: svg.querySelector("title").textContent,
      nodes: Array.from(svg.querySelectorAll("g.node")).map((g) => g.querySelector("text") &&
        Array.from(g.querySelectorAll("text")).map((t) => t.textContent).join(" ")),
      edges: Array.from(svg.querySelectorAll("g.edge")).map((g) => ({
        label: Array.from(g.querySelectorAll("text")).map((t) => t.textContent).join(" "),
        href: (g.querySelector("a") || { getAttribute: () => null }).getAttribute("xlink:href") ||
              (g.querySelector("a") || { getAttribute: () => null }).getAttribute("href") })),
      summary: Array.from(document.querySelectorAll("table.evidence-summary tbody tr")).map((tr) => tr.innerText),
    };
  });
  seen.efalizumabLinks = await page.evaluate(SVG_LINKS, "section.picture");
  if (shots) await page.screenshot({ path: shots + "/efalizumab.png", fullPage: false });

  // 3. the search box: type "gottron", see the ranked results, open the first one
  await page.fill("#site-search", "gottron");
  await Promise.all([page.waitForNavigation(), page.press("#site-search", "Enter")]);
  seen.search = await page.evaluate(() => ({
    url: location.pathname + location.search,
    results: Array.from(document.querySelectorAll("ol.results li")).map((li) => ({
      label: li.querySelector("a").textContent.trim(), href: li.querySelector("a").getAttribute("href"),
      snippet: li.querySelector(".snippet").textContent.trim(),
      marked: Array.from(li.querySelectorAll("mark")).map((m) => m.textContent) })),
  }));
  if (shots) await page.screenshot({ path: shots + "/search.png", fullPage: false });
  await Promise.all([page.waitForNavigation(), page.click("ol.results li:first-child a")]);
  seen.landed = await page.evaluate(() => ({
    url: location.pathname, h1: document.querySelector("h1").textContent,
    quotes: Array.from(document.querySelectorAll("blockquote")).map((q) => q.textContent),
    statements: Array.from(document.querySelectorAll(".statement")).map((q) => q.textContent) }));

  // 4. the header's "named queries": an HTML page; run the treatment timeline from its form
  await Promise.all([page.waitForNavigation(), page.click('header a:text-is("named queries")')]);
  seen.queriesPage = await page.evaluate(() => ({ contentType: document.contentType, h1: document.querySelector("h1").textContent,
    forms: document.querySelectorAll("form.named").length }));
  const form = "#q-treatment-timeline form";
  seen.caseOptions = await page.$$eval(form + " select option", (os) => os.map((o) => o.textContent));
  await Promise.all([page.waitForNavigation(), page.click(form + " button[type=submit]")]);
  seen.answer = await page.evaluate(() => ({
    url: location.pathname + location.search,
    columns: Array.from(document.querySelectorAll("table.answer thead th")).map((th) => th.textContent),
    rows: Array.from(document.querySelectorAll("table.answer tbody tr")).map((tr) =>
      Array.from(tr.querySelectorAll("td")).map((td) => td.textContent.trim())),
    links: Array.from(document.querySelectorAll("table.answer tbody a")).map((a) => a.getAttribute("href")),
    csv: (document.querySelector('a[download]') || { getAttribute: () => null }).getAttribute("href"),
  }));

  // 5. every link of every picture resolves (fetched by the browser, same origin)
  const links = Array.from(new Set([...seen.caseLinks, ...seen.efalizumabLinks, ...seen.answer.links.slice(0, 40),
                                    seen.answer.csv].filter(Boolean)));
  seen.resolved = {};
  for (const link of links) {
    const response = await page.request.get(new URL(link, base).href);
    seen.resolved[link] = response.status();
  }
  await context.close();
  seen.requests = requests;
  seen.errors = errors;
  process.stdout.write(JSON.stringify(seen));
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error));
  process.exit(1);
});
