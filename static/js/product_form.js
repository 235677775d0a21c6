// 产品信息: live 0/500 counters, 测算方式 fields, 方法一 fills the index from K.
(function () {
  "use strict";
  document.querySelectorAll("[data-counter]").forEach(function (area) {
    var out = document.getElementById(area.dataset.counter);
    var update = function () { out.textContent = area.value.length + "/500"; };
    area.addEventListener("input", update);
    update();  // this deferred script runs after the page can be typed in: count what is there
  });
  var methods = document.querySelectorAll("[data-method]");
  var value = function (id) { var el = document.getElementById(id); return el ? parseFloat(el.value.replace(/,/g, "")) : NaN; };
  function compute() {
    var chosen = document.querySelector("[data-method]:checked");
    if (!chosen || chosen.value !== "method1") { return; }
    var ip = value("f-ip_investment"), cost = value("f-last_year_cost"), k = value("f-method_k");
    if (ip >= 0 && cost > 0 && k > 0) {
      document.getElementById("f-contribution_index").value = Math.min(100, ip / cost * k * 100).toFixed(2);
    }
  }
  function sync() {
    var chosen = document.querySelector("[data-method]:checked");
    document.querySelectorAll("[data-show-method]").forEach(function (el) { el.hidden = !chosen || el.dataset.showMethod !== chosen.value; });
    compute();
  }
  methods.forEach(function (m) { m.addEventListener("change", sync); });
  ["f-ip_investment", "f-last_year_cost", "f-method_k"].forEach(function (id) {
    var el = document.getElementById(id); if (el) { el.addEventListener("input", compute); }
  });
  sync();
  // 其他 → the free-text field appears.
  document.querySelectorAll("[data-show-when]").forEach(function (block) {
    var parts = block.dataset.showWhen.split(":");
    var select = document.getElementById(parts[0]);
    var update = function () {
      var chosen = Array.prototype.some.call(select.selectedOptions, function (o) { return o.value === parts[1]; });
      block.hidden = !chosen && !block.querySelector(".is-invalid");
    };
    select.addEventListener("change", update);
    update();
  });
})();
