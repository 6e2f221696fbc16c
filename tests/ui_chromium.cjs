// The one way the browser tests start Debian's chromium through playwright-core: a headless persistent
// context with nothing running in the background, one page whose requests and script errors are recorded.
const { chromium } = require(process.env.PLAYWRIGHT_CORE);

async function openPage(userDataDir, options = {}) {
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    ...options,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const requests = [];
  const errors = [];
  const page = context.pages()[0] || (await context.newPage());
  page.on("request", (request) => requests.push(request.url()));
  page.on("pageerror", (error) => errors.push(String(error)));
  page.setDefaultTimeout(20000);
  return { context, page, requests, errors };
}

module.exports = { openPage };
