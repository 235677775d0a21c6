// 公众异议: the 异议内容 counter (trimmed length against the stated limits) and 选择异议对象's search
// without reloading the page. The form works without this script (the search button posts it).
(function () {
  "use strict";
  var area = document.querySelector("[data-objection-content]");
  var counter = document.querySelector("[data-objection-counter]");
  if (area && counter) {
    var min = parseInt(area.dataset.min, 10), max = parseInt(area.dataset.max, 10);
    var update = function () {
      var n = area.value.trim().length;
      counter.textContent = counter.dataset.template.replace("__N__", n);
      counter.classList.toggle("text-danger", n > max || (n > 0 && n < min));
    };
    area.addEventListener("input", update);
    update();
  }
  // A field changed after a failed submit: its message no longer applies (the summary above
  // the form keeps the list until the next submit).
  var form = document.querySelector("[data-objection-form]");
  var settle = function (event) {
    var field = event.target;
    var error = field.name ? document.getElementById("e-" + field.name) : null;
    if (error) { error.classList.remove("d-block"); error.style.display = "none"; }
    field.classList.remove("is-invalid");
  };
  if (form) {
    form.addEventListener("input", settle);
    form.addEventListener("change", settle);
  }
  var q = document.querySelector("[data-objection-q]");
  var button = document.querySelector("[data-objection-search]");
  var box = document.querySelector("[data-objection-choices]");
  if (!q || !button || !box) { return; }
  var search = function (event) {
    event.preventDefault();
    var checked = box.querySelector("input[name=product]:checked");
    var url = q.dataset.url + "?q=" + encodeURIComponent(q.value);
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
      .then(function (html) {
        // Keep the product already chosen at the top of the new list.
        var kept = checked ? checked.closest("li") : null;
        box.innerHTML = html;
        if (kept) {
          var list = box.querySelector("[data-objection-results]");
          var again = box.querySelector("[data-choice='" + kept.dataset.choice + "']");
          if (again) { again.remove(); }
          list.insertBefore(kept, list.firstChild);
          var none = box.querySelector("[data-objection-none]");
          if (none) { none.remove(); }
          kept.querySelector("input").checked = true;
        }
      })
      .catch(function () { button.form.requestSubmit(button); });
  };
  button.addEventListener("click", search);
  q.addEventListener("keydown", function (event) { if (event.key === "Enter") { search(event); } });
})();
