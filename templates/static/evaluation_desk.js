// Autosave of the evaluation terminal: every change of a score or its
// reason is sent to the server at once (PUT, JSON). Per cell one request is
// in flight; a newer value waits and is sent next, so the last value always
// reaches the server. A failed send is retried every two seconds. The page
// keeps nothing itself: after a reload or a terminal restart the scores come
// back from the server.
(function () {
  "use strict";
  var desk = document.querySelector("[data-desk]");
  if (!desk) { return; }
  var csrf = desk.getAttribute("data-csrf");

  function show(form, text, cls) {
    var el = form.querySelector(".save");
    if (!el) { return; }
    el.textContent = text;
    el.className = "save" + (cls ? " " + cls : "");
  }

  function cell(form) {
    var busy = false, pending = false;
    function send() {
      if (busy) { pending = true; return; }
      var points = form.querySelector("input[name=points]").value.trim();
      if (points === "") { show(form, "未评分", ""); return; }
      busy = true; pending = false;
      show(form, "保存中…", "");
      var body = JSON.stringify({
        bid_id: Number(form.getAttribute("data-bid")),
        criterion_id: Number(form.getAttribute("data-crit")),
        points: points,
        reason: form.querySelector("input[name=reason]").value
      });
      fetch(form.getAttribute("action"), {
        method: "PUT", credentials: "same-origin", body: body,
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf }
      }).then(function (r) {
        return r.json().then(function (j) { return { ok: r.ok, j: j }; });
      }).then(function (x) {
        busy = false;
        if (x.ok) {
          show(form, "已保存", "ok");
          form.setAttribute("data-saved", points);
        } else {
          show(form, (x.j && x.j.error && x.j.error.message) || "未保存", "bad");
        }
        if (pending) { send(); }
      }).catch(function () {
        busy = false;
        show(form, "网络中断，未保存，正在重试…", "bad");
        setTimeout(send, 2000);
      });
    }
    form.querySelectorAll("input").forEach(function (i) { i.addEventListener("input", send); });
    form.addEventListener("submit", function (e) { e.preventDefault(); send(); });
  }
  document.querySelectorAll("form.score").forEach(cell);

  // Enter in a score moves to the next score, as a spreadsheet does.
  var inputs = Array.prototype.slice.call(document.querySelectorAll("input.points"));
  inputs.forEach(function (inp, i) {
    inp.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && inputs[i + 1]) { e.preventDefault(); inputs[i + 1].focus(); inputs[i + 1].select(); }
    });
  });

  // A fail needs a ground and a reason: show them only for a fail.
  document.querySelectorAll("form.review").forEach(function (f) {
    var sel = f.querySelector("select[name=pass]");
    function sync() { f.querySelector(".why").hidden = sel.value === "true"; }
    sel.addEventListener("change", sync);
    sync();
  });
})();
