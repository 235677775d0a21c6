// 导入基础数据: follow a background import (jobs.status) until it ends; list bad rows by line.
(function () {
  "use strict";
  var box = document.querySelector("[data-admin-job]");
  if (!box) { return; }
  var fill = function (text, values) {
    return text.replace(/__([A-Z]+)__/g, function (_m, key) { return values[key.toLowerCase()]; });
  };
  var say = function (text) { box.querySelector("[data-job-text]").textContent = text; };
  function poll() {
    fetch(box.dataset.adminJob, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (s) {
      var pct = s.total ? Math.round(100 * s.done / s.total) : 0;
      var bar = box.querySelector("[data-job-bar]");
      bar.style.width = (s.status === "finished" ? 100 : pct) + "%";
      if (s.status === "finished") {
        var result = s.result;
        if (result.errors.length) {
          say(fill(box.dataset.textBad, { n: result.errors.length }));
          bar.classList.add("bg-danger");
          var list = box.querySelector("[data-job-errors]");
          result.errors.forEach(function (e) {
            var li = document.createElement("li");
            li.textContent = fill(box.dataset.textLine, { line: e[0] }) + e[1];
            list.appendChild(li);
          });
        } else {
          say(fill(box.dataset.textDone, { n: result.imported, added: result.added, updated: result.updated }));
          bar.classList.add("bg-success");
        }
      } else if (s.status === "failed") {
        say(box.dataset.textFailed + (s.error || ""));
      } else { setTimeout(poll, 700); }
    });
  }
  poll();
})();
