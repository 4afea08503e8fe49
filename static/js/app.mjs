// Starts the GOV.UK and MOJ components on every page. Loaded as a module from our own origin.
import { initAll } from "/static/vendor/govuk-frontend.min.js";

initAll();
