// Small behaviours shared by every page; pages work without them.
(function () {
  "use strict";
  // A button that undoes work (移除, 取消关联) asks first.
  document.addEventListener("click", function (e) {
    var button = e.target.closest("[data-ask]");
    if (button && !window.confirm(button.dataset.ask)) { e.preventDefault(); }
  });
  // Captcha: click (or Enter) on the image loads a new one.
  document.querySelectorAll("[data-captcha]").forEach(function (img) {
    var refresh = function () { img.src = img.src.split("?")[0] + "?t=" + Date.now(); };
    img.addEventListener("click", refresh);
    img.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); refresh(); } });
  });
  // 获取验证码 with the 60 s countdown.
  document.querySelectorAll("[data-sms-button]").forEach(function (btn) {
    var label = btn.textContent;
    var errorBox = btn.closest(".form-group").querySelector("[data-sms-error]");
    var countdown = function (seconds) {
      btn.disabled = true;
      var left = seconds;
      var tick = function () {
        if (left <= 0) { btn.disabled = false; btn.textContent = label; return; }
        btn.textContent = btn.dataset.wait.replace("__N__", left);
        left -= 1; setTimeout(tick, 1000);
      };
      tick();
    };
    btn.addEventListener("click", function () {
      var phone = document.getElementById(btn.dataset.phoneField).value;
      var body = new FormData();
      body.append("phone", phone);
      body.append("purpose", btn.dataset.purpose);
      body.append("csrf_token", btn.form.querySelector("[name=csrf_token]").value);
      btn.disabled = true;
      fetch(btn.dataset.url, { method: "POST", body: body, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          if (data.ok) { errorBox.textContent = ""; errorBox.classList.remove("invalid-feedback"); errorBox.classList.add("text-success"); errorBox.textContent = data.message; countdown(data.wait); }
          else { btn.disabled = false; errorBox.classList.add("invalid-feedback"); errorBox.classList.remove("text-success"); errorBox.textContent = Object.values(data.errors).join("；"); }
        })
        .catch(function () { btn.disabled = false; errorBox.textContent = "网络异常，请稍后重试"; });
    });
  });
  // A form that needs confirming (e.g. 确认撤销) asks first.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  });
})();
