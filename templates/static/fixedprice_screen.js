// Draw-room big screen: fetch the same page every two seconds and swap in
// the new #fp-screen, so each step (pool hash, commitment, witness numbers,
// result) appears without anyone touching the display. No inline script
// (CSP script-src 'self').
(function () {
  "use strict";
  var el = document.getElementById("fp-screen");
  if (!el) { return; }
  function tick() {
    fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var doc = new DOMParser().parseFromString(html, "text/html");
        var next = doc.getElementById("fp-screen");
        var cur = document.getElementById("fp-screen");
        if (next && cur && next.innerHTML !== cur.innerHTML) {
          cur.innerHTML = next.innerHTML;
          cur.setAttribute("data-step", next.getAttribute("data-step"));
        }
      })
      .catch(function () {})
      .then(function () { window.setTimeout(tick, 2000); });
  }
  window.setTimeout(tick, 2000);
})();
