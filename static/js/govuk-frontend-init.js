// Start GOV.UK Frontend's components (a module, so it runs once the page is parsed).
import { initAll } from "../govuk/govuk-frontend.min.js";

initAll();
// Parts of a page that htmx swaps in need their GOV.UK components (conditional reveals,
// error summaries) set up too.
// The event comes from each element settled: the swap's target, and any element swapped "out of
// band" (the draft page's error summary), which then takes focus as GOV.UK's summary does.
document.body.addEventListener("htmx:afterSettle", (event) => {
  const settled = event.target instanceof Element && event.target.id ? event.target : null;
  const id = (settled || event.detail.target || {}).id;
  const scope = id && document.getElementById(id);
  if (scope && scope.isConnected) initAll({ scope });
});
