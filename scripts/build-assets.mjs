// Builds the front-end assets from npm packages into git-ignored static folders:
//   static/build/app.css   GOV.UK Frontend + MOJ Frontend compiled with Arial and our asset path
//   static/vendor/...      the packages' JavaScript, MOJ CSS and images, served by the app itself
import * as sass from "sass";
import { cpSync, mkdirSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const nm = join(root, "node_modules");
const vendor = join(root, "static", "vendor");
const build = join(root, "static", "build");

rmSync(vendor, { recursive: true, force: true });
rmSync(build, { recursive: true, force: true });
mkdirSync(vendor, { recursive: true });
mkdirSync(build, { recursive: true });

const govuk = join(nm, "govuk-frontend", "dist", "govuk");
const moj = join(nm, "@ministryofjustice", "frontend", "moj");
cpSync(join(govuk, "govuk-frontend.min.js"), join(vendor, "govuk-frontend.min.js"));
cpSync(join(govuk, "govuk-frontend.min.js.map"), join(vendor, "govuk-frontend.min.js.map"));
cpSync(join(moj, "moj-frontend.min.js"), join(vendor, "moj-frontend.min.js"));
cpSync(join(moj, "moj-frontend.min.js.map"), join(vendor, "moj-frontend.min.js.map"));
cpSync(join(govuk, "assets", "images"), join(vendor, "govuk", "images"), { recursive: true });
cpSync(join(moj, "assets", "images"), join(vendor, "moj", "images"), { recursive: true });

// MOJ Frontend ships its components' CSS precompiled (without GOV.UK's); point it at our
// asset path and our font. Its Sass cannot be configured alongside ours (both configure
// GOV.UK Frontend's base module).
const mojCss = readFileSync(join(moj, "moj-frontend.min.css"), "utf8")
  .replaceAll("url(/assets/", "url(/static/vendor/moj/")
  .replaceAll("GDS Transport,arial,sans-serif", "Arial,sans-serif");
writeFileSync(join(vendor, "moj-frontend.min.css"), mojCss);
cpSync(join(moj, "moj-frontend.min.css.map"), join(vendor, "moj-frontend.min.css.map"));

const result = sass.compile(join(root, "static", "src", "app.scss"), {
  loadPaths: [nm, root],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: ["import", "global-builtin"],
});
writeFileSync(join(build, "app.css"), result.css);
console.log(`assets built: ${result.css.length} bytes of CSS`);
