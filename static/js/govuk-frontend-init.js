// Start GOV.UK Frontend's components (a module, so it runs once the page is parsed).
import { initAll } from "../govuk/govuk-frontend.min.js";

initAll();
// Parts of a page that htmx swaps in need their GOV.UK components (conditional reveals,
// error summaries) set up too.
document.body.addEventListener("htmx:afterSettle", (event) => {
  const id = event.detail.target && event.detail.target.id;
  const scope = id && document.getElementById(id);
  if (scope && scope.isConnected) initAll({ scope });
});
