// GOV.UK Frontend's "JavaScript is on" classes, set before the page is drawn so nothing jumps.
// A file rather than the inline script GOV.UK's template uses: the Content-Security-Policy
// allows no inline script (docs/adr/0029). Loaded without defer, straight after <body>.
document.body.className += " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
