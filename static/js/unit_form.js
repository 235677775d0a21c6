// 实名认证 form: 获取工商信息, 同注册地址, enterprise-only fields, credit code check as you type.
(function () {
  "use strict";
  var CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  var WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  function usccProblem(code) {
    if (!code) { return ""; }
    if (code.length !== 18) { return code.length < 18 ? "" : "统一社会信用代码应为18位"; }
    for (var i = 0; i < 18; i++) { if (CHARSET.indexOf(code[i]) < 0) { return "统一社会信用代码含有不允许的字符（不使用I、O、S、V、Z）"; } }
    var sum = 0;
    for (var j = 0; j < 17; j++) { sum += CHARSET.indexOf(code[j]) * WEIGHTS[j]; }
    return CHARSET[(31 - sum % 31) % 31] === code[17] ? "" : "统一社会信用代码校验位不正确";
  }
  var code = document.querySelector("[data-uscc]");
  var message = document.querySelector("[data-registry-message]");
  function checkCode() {
    code.value = code.value.toUpperCase().replace(/\s/g, "");
    var problem = usccProblem(code.value);
    code.classList.toggle("is-invalid", !!problem);
    code.setCustomValidity(problem);
    message.textContent = problem;
    message.className = "small mt-1" + (problem ? " text-danger" : "");
  }
  if (code && !code.disabled) {
    code.addEventListener("input", checkCode);
    // This deferred script runs after the page can be typed in: check what was typed meanwhile.
    if (code.value) { checkCode(); }
  }
  var lookup = document.querySelector("[data-registry-lookup]");
  if (lookup) {
    lookup.addEventListener("click", function () {
      fetch(lookup.dataset.url + "?code=" + encodeURIComponent(code.value), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          message.textContent = data.message;
          message.className = "small mt-1 " + (data.ok ? "text-success" : "text-danger");
          Object.keys(data.values).forEach(function (name) {
            var input = document.getElementById("f-" + name);
            if (input) { input.value = data.values[name]; }
          });
        });
    });
  }
  var same = document.querySelector("[data-office-same]");
  var registered = document.getElementById("f-registered_address");
  var office = document.getElementById("f-office_address");
  function syncOffice() { if (same && same.checked) { office.value = registered.value; office.readOnly = true; } else if (office) { office.readOnly = false; } }
  if (same) { same.addEventListener("change", syncOffice); registered.addEventListener("input", syncOffice); syncOffice(); }
  var type = document.getElementById("f-unit_type");
  function toggleEnterprise() {
    document.querySelectorAll("[data-enterprise-only]").forEach(function (el) { el.hidden = type.value !== "enterprise"; });
  }
  if (type) { type.addEventListener("change", toggleEnterprise); toggleEnterprise(); }
})();
