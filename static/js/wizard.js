// 产品备案 wizard: autosave while typing (and when the page is left), tabs that save
// before moving on, the 关联专利 dialog, and the 产品分类 picker's suggestions.
//
// The form carries the draft's version and the stored values it shows (input[name=version],
// input[name=base]); every save sends them and every answer brings the new ones. One save at a time: a save waits for the one in flight,
// and 保存 / 下一步 / 提交审核 / a tab wait for it too, then go with the fresh version.
// When another window saved first (409 conflict) the page is told, the other values are
// shown at their fields, and autosave stops until the user presses 保存 (which then writes
// this page's values); after 提交审核 (409 locked) nothing more is sent.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  var savedAt = document.querySelector("[data-saved-at]");
  var problems = document.querySelector("[data-autosave-problems]");
  var marked = [];  // fields autosave marked as wrong
  var noted = [];  // fields marked with the other window's value

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

  // Another window's value under each field where it differs from this page's.
  function showTheirs(theirs) {
    var label = (problems && problems.dataset.theirsLabel) || "__VALUE__";
    noted.forEach(function (name) {
      if (theirs[name] !== undefined) { return; }
      var note = document.getElementById("t-" + name);
      if (note) { note.remove(); }
      var input = document.getElementById("f-" + name);
      if (input) { input.classList.remove("zl-theirs-field"); }
    });
    noted = Object.keys(theirs);
    noted.forEach(function (name) {
      var input = document.getElementById("f-" + name);
      if (!input) { return; }
      var note = document.getElementById("t-" + name);
      if (!note) {
        note = document.createElement("div");
        note.className = "zl-theirs";
        note.id = "t-" + name;
        note.dataset.theirs = name;
        if (input.tagName === "FIELDSET") {
          input.appendChild(note);
        } else {
          (input.closest(".custom-control, .form-check") || input).insertAdjacentElement("afterend", note);
        }
      }
      note.textContent = label.replace("__VALUE__", theirs[name]);
      input.classList.add("zl-theirs-field");
      var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      if (described.indexOf(note.id) < 0) { described.push(note.id); }
      input.setAttribute("aria-describedby", described.join(" "));
    });
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
    var version = form.querySelector("input[name=version]");
    var base = form.querySelector("input[name=base]");
    var adopt = function (body) {
      if (version && body.version !== undefined) { version.value = body.version; }
      if (base && body.base) { base.value = JSON.stringify(body.base); }
    };
    var timer = null, dirty = false, inflight = null, sending = null, halted = false, beaconed = false;
    var answer = function (status, body) {
      if (status === 200) {
        adopt(body);
        if (savedAt && body.saved_at) { savedAt.textContent = body.saved_at; }
        showErrors(body.errors || {});
      } else if (status === 409 && body.conflict) {
        // This page's values stay; 保存 now writes them over the version shown here.
        halted = true;
        adopt(body);
        showTheirs(body.theirs || {});
        if (problems) { problems.textContent = body.message; }
      } else if (status === 409 && body.locked) {
        halted = true;
        if (problems) { problems.textContent = body.message; }
      } else {
        dirty = true;  // not saved: try again with the next change
      }
    };
    var save = function (keepalive) {
      if (!dirty || halted) { return inflight || Promise.resolve(); }
      if (inflight) { return inflight; }  // its end sends what changed meanwhile
      dirty = false;
      var body = payload();
      sending = version ? Number(version.value) : null;
      inflight = fetch(form.dataset.autosave, {
        method: "POST", body: body, headers: { "X-Autosave": "1" }, credentials: "same-origin", keepalive: !!keepalive,
      })
        .then(function (r) { return r.json().then(function (data) { answer(r.status, data); }); })
        .catch(function () { dirty = true; })
        .then(function () {
          inflight = null; sending = null;
          if (dirty && !halted) { clearTimeout(timer); timer = setTimeout(save, 1500); }
        });
      return inflight;
    };
    var later = function (event) {
      if (event.target.type === "file") { return; }
      dirty = true;
      clearTimeout(timer);
      timer = setTimeout(save, 1500);
    };
    form.addEventListener("input", later);
    form.addEventListener("change", later);
    // 保存, 下一步, 提交审核, 移除 and the tabs: the form goes once no autosave is in flight,
    // with the version that save brought; a conflict or lock that save met stops it.
    var submitAfterSave = function (submitter) {
      var wasHalted = halted;
      clearTimeout(timer);
      dirty = false;
      inflight.then(function () {
        clearTimeout(timer);
        dirty = false;
        if (halted && !wasHalted) { return; }  // the page says why; the user decides
        if (submitter && submitter.name) {
          var carry = document.createElement("input");
          carry.type = "hidden"; carry.name = submitter.name; carry.value = submitter.value;
          form.appendChild(carry);
        }
        form.submit();
      });
    };
    form.addEventListener("submit", function (event) {
      clearTimeout(timer);
      dirty = false;
      if (inflight) {
        event.preventDefault();
        submitAfterSave(event.submitter);
      }
    });
    // Leaving the tab: save now (kept alive if the page goes). Leaving the page with
    // changes still unsent: a beacon, with the version the save in flight will give.
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") { clearTimeout(timer); save(true); }
    });
    window.addEventListener("pagehide", function () {
      if (!dirty || halted) { return; }
      dirty = false;
      var data = payload();
      if (version && sending !== null) { data.set("version", String(sending + 1)); }
      data.append("autosave", "1");
      navigator.sendBeacon(form.dataset.autosave + "?autosave=1", data);
      beaconed = true;
    });
    // Back to a page kept in memory after a beacon: its version is stale; read it again.
    window.addEventListener("pageshow", function (event) {
      if (event.persisted && beaconed) { window.location.reload(); }
    });
    // A tab of the wizard saves this step first, then opens the other one.
    document.querySelectorAll("[data-goto]").forEach(function (tab) {
      tab.addEventListener("click", function (event) {
        if (tab.classList.contains("active")) { return; }
        event.preventDefault();
        var goto = document.createElement("input");
        goto.type = "hidden"; goto.name = "goto"; goto.value = tab.dataset.goto;
        form.appendChild(goto);
        if (inflight) { submitAfterSave(null); return; }
        dirty = false;
        clearTimeout(timer);
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
    var other = list.dataset.other;
    var otherGroup = document.getElementById("category-other-group");
    var incomplete = document.getElementById("category-incomplete");
    // 其他: the catalogue (大类 01–22 only) does not list the product; the unit types it.
    var syncOther = function () {
      if (otherGroup) { otherGroup.hidden = category.value.trim() !== other; }
    };
    category.addEventListener("change", syncOther);
    category.addEventListener("input", function () {
      syncOther();
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
            var last = document.createElement("option");
            last.value = other; last.textContent = list.dataset.otherLabel;
            list.appendChild(last);
            // Nothing found: say plainly that the catalogue is incomplete.
            if (incomplete) { incomplete.hidden = rows.length > 0 && category.value.trim() !== ""; }
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
