// Starts the GOV.UK and MOJ components on every page. Loaded as a module from our own origin;
// "govuk-frontend" is resolved by the page's import map to the file's hashed static name.
import { initAll } from "govuk-frontend";

initAll();
