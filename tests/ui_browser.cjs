// Drives Debian's chromium with playwright-core: opens the endpoint's UI, checks the example tabs,
// runs the selected example and reports what it saw as JSON on stdout. Used by tests/test_ui_browser.py.
// Usage: node tests/ui_browser.cjs BASE_URL USER_DATA_DIR TAB_TITLE EXPECTED_CELL
const { openPage } = require("./ui_chromium.cjs");

async function main() {
  const [base, userDataDir, tabTitle, expected] = process.argv.slice(2);
  const { context, page, requests, errors } = await openPage(userDataDir);
  await page.goto(base + "/", { waitUntil: "load" });
  await page.waitForSelector(".yasgui .tabsList");
  const tabs = await page.$$eval(".yasgui .tabsList .tab a span", (spans) => spans.map((s) => s.textContent.trim()));
  await page.click(`.yasgui .tabsList .tab a:has(span:text-is("${tabTitle}"))`);
  const query = await page.evaluate(() => window.dmkgYasgui.getTab().getQuery());
  const completers = await page.evaluate(() => Object.keys(window.dmkgYasgui.getTab().getYasqe().autocompleters));
  // type a class position and a prefix position: no completer may call an outside service
  await page.evaluate(() => window.dmkgYasgui.getTab().getYasqe().setValue("PREFIX dm"));
  await page.click(".yasgui .tabPanel.active .CodeMirror");
  await page.keyboard.press("End");
  await page.keyboard.type("kg");
  await page.waitForTimeout(500);
  await page.evaluate((q) => window.dmkgYasgui.getTab().getYasqe().setValue(q), query);
  await page.click(".yasgui .tabPanel.active .yasqe_queryButton");
  await page.waitForFunction(
    (text) => {
      const panel = document.querySelector(".yasgui .tabPanel.active .yasr");
      return panel && panel.innerText.includes(text);
    },
    expected,
  );
  const cells = await page.$$eval(".yasgui .tabPanel.active .yasr table td", (tds) => tds.map((td) => td.innerText.trim()));
  await context.close();
  process.stdout.write(JSON.stringify({ tabs, query, cells, requests, errors, completers }));
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error));
  process.exit(1);
});
