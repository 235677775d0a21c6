// Progress bar of a background job: polls its JSON status until finished or failed.
(function () {
  "use strict";
  var box = document.querySelector("[data-job]");
  if (!box) { return; }
  var bar = box.querySelector("[data-job-bar]");
  var text = box.querySelector("[data-job-text]");
  function poll() {
    fetch(box.dataset.job, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (s) {
      var pct = s.total ? Math.round(100 * s.done / s.total) : (s.status === "finished" ? 100 : 0);
      bar.style.width = pct + "%"; bar.setAttribute("aria-valuenow", pct);
      if (s.status === "finished") {
        text.textContent = "导入完成，新增专利" + s.result + "件。";
        bar.classList.add("bg-success");
        if (s.result > 0) { setTimeout(function () { window.location = window.location.pathname; }, 1500); }
      } else if (s.status === "failed") {
        text.textContent = "导入失败，请稍后重试或联系平台。"; bar.classList.add("bg-danger");
      } else { setTimeout(poll, 700); }
    }).catch(function () { setTimeout(poll, 2000); });
  }
  poll();
})();
