// 产品备案 wizard: autosave while typing (and when the page is left), tabs that save
// before moving on, the 关联专利 dialog, and the 产品分类 picker's suggestions.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  var savedAt = document.querySelector("[data-saved-at]");
  var problems = document.querySelector("[data-autosave-problems]");
  var marked = [];  // fields autosave marked as wrong

  // What autosave could not keep is said at the field, as the server's own errors are.
  function showErrors(errors) {
    marked.forEach(function (name) {
      if (errors[name]) { return; }
      var input = document.getElementById("f-" + name);
      var box = document.getElementById("e-" + name);
      if (input) { input.classList.remove("is-invalid"); input.removeAttribute("aria-invalid"); }
      if (box) { box.textContent = ""; }
    });
    marked = Object.keys(errors);
    marked.forEach(function (name) {
      var input = document.getElementById("f-" + name);
      if (!input) { return; }
      var box = document.getElementById("e-" + name);
      if (!box) {
        box = document.createElement("div");
        box.className = "invalid-feedback d-block";
        box.id = "e-" + name;
        input.insertAdjacentElement("afterend", box);
      }
      box.textContent = errors[name];
      input.classList.add("is-invalid");
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", box.id);
    });
    if (problems) {
      problems.textContent = marked.length ? problems.dataset.message.replace("__N__", marked.length) : "";
    }
  }

  function payload() {
    var data = new FormData(form);
    form.querySelectorAll("input[type=file]").forEach(function (input) { data.delete(input.name); });
    data.delete("remove_file");
    data.delete("remove_patent");
    data.delete("submit");
    return data;
  }

  if (form) {
    var timer = null, dirty = false;
    var save = function () {
      if (!dirty) { return; }
      dirty = false;
      fetch(form.dataset.autosave, { method: "POST", body: payload(), headers: { "X-Autosave": "1" }, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (body) {
          if (savedAt && body.saved_at) { savedAt.textContent = body.saved_at; }
          showErrors(body.errors || {});
        })
        .catch(function () { dirty = true; });
    };
    var later = function (event) {
      if (event.target.type === "file") { return; }
      dirty = true;
      clearTimeout(timer);
      timer = setTimeout(save, 1500);
    };
    form.addEventListener("input", later);
    form.addEventListener("change", later);
    form.addEventListener("submit", function () { dirty = false; clearTimeout(timer); });
    // Closing the tab or the browser: send what is unsaved.
    var flush = function () {
      if (!dirty) { return; }
      dirty = false;
      var data = payload();
      data.append("autosave", "1");
      navigator.sendBeacon(form.dataset.autosave + "?autosave=1", data);
    };
    window.addEventListener("pagehide", flush);
    document.addEventListener("visibilitychange", function () { if (document.visibilityState === "hidden") { flush(); } });
    // A tab of the wizard saves this step first, then opens the other one.
    document.querySelectorAll("[data-goto]").forEach(function (tab) {
      tab.addEventListener("click", function (event) {
        if (tab.classList.contains("active")) { return; }
        event.preventDefault();
        var goto = document.createElement("input");
        goto.type = "hidden"; goto.name = "goto"; goto.value = tab.dataset.goto;
        form.appendChild(goto);
        dirty = false;
        form.submit();
      });
    });
  }

  // 从自有专利中选择: the dialog loads the unit's patents; search and pages stay inside it.
  var dialog = document.getElementById("pick-dialog");
  if (dialog && dialog.showModal) {
    var body = dialog.querySelector("[data-pick-body]");
    var load = function (url) {
      fetch(url, { credentials: "same-origin" }).then(function (r) { return r.text(); })
        .then(function (html) { body.innerHTML = html; });
    };
    document.querySelectorAll("[data-open-pick]").forEach(function (button) {
      button.addEventListener("click", function (event) {
        event.preventDefault();
        load(dialog.dataset.source);
        dialog.showModal();
      });
    });
    dialog.addEventListener("submit", function (event) {
      var target = event.target;
      if (target.method.toLowerCase() === "get") {
        event.preventDefault();
        load(dialog.dataset.source + "?" + new URLSearchParams(new FormData(target)).toString());
      }
    });
    dialog.addEventListener("click", function (event) {
      var link = event.target.closest("a[data-pick-page]");
      if (link) { event.preventDefault(); load(link.dataset.pickPage); }
      if (event.target.matches("[data-close-pick]")) { event.preventDefault(); dialog.close(); }
    });
    if (dialog.hasAttribute("data-open")) { dialog.removeAttribute("open"); dialog.showModal(); }
  }

  // 产品分类: suggestions from the whole catalogue as the user types.
  var category = document.getElementById("f-category");
  var list = document.getElementById("category-list");
  if (category && list && list.dataset.source) {
    var pending = null;
    category.addEventListener("input", function () {
      clearTimeout(pending);
      pending = setTimeout(function () {
        fetch(list.dataset.source + "?q=" + encodeURIComponent(category.value), { credentials: "same-origin" })
          .then(function (r) { return r.json(); })
          .then(function (rows) {
            list.innerHTML = "";
            rows.forEach(function (row) {
              var option = document.createElement("option");
              option.value = row.value; option.textContent = row.label;
              list.appendChild(option);
            });
          });
      }, 250);
    });
  }
})();

// 属于国家特殊行业管理要求的产品 / 属于国家强制性认证产品 show their upload field.
(function () {
  "use strict";
  document.querySelectorAll("[data-toggled-by]").forEach(function (block) {
    var box = document.getElementById(block.dataset.toggledBy);
    var sync = function () { block.hidden = !box.checked; };
    box.addEventListener("change", sync);
    sync();
  });
})();
