// Renders images/icon.svg to the 128x128 images/icon.png the marketplace
// wants (vsce refuses SVG icons), with Debian's Chromium:
//   node e2e/render-icon.js
const path = require('path');
const { chromium } = require('playwright-core');

(async () => {
  const dir = path.join(__dirname, '..', 'images');
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  const page = await browser.newPage({ viewport: { width: 128, height: 128 } });
  await page.goto('file://' + path.join(dir, 'icon.svg'));
  await page.screenshot({ path: path.join(dir, 'icon.png'), omitBackground: true });
  await browser.close();
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
