// Shows the progress of an expert import while the file uploads and is
// validated (the server keeps it under the key in the form's action).
(function () {
  var form = document.getElementById("import-form");
  var out = document.getElementById("import-progress");
  if (!form || !out || !window.fetch) { return; }
  form.addEventListener("submit", function () {
    var url = form.getAttribute("data-progress");
    var names = { reading: "正在读取", validating: "正在校验", importing: "正在导入", done: "完成", failed: "失败" };
    var timer = setInterval(function () {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (p) {
          if (!p) { return; }
          out.textContent = (names[p.phase] || p.phase) + "：已读取 " + p.rows + " 行" + (p.total ? "，已导入 " + p.imported + " / " + p.total : "");
          if (p.phase === "done" || p.phase === "failed") { clearInterval(timer); }
        })
        .catch(function () {});
    }, 1000);
  });
})();
