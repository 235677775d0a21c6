// The back office's date pickers (Flask-Admin: moment 2.9 + bootstrap-daterangepicker) in
// Chinese on the Chinese pages: moment's zh-cn month and weekday names (weeks from Monday)
// and the picker's buttons. Local file, no CDN.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!window.moment || !script || script.dataset.locale !== "zh-cn") { return; }
  window.moment.locale("zh-cn", {
    months: "一月_二月_三月_四月_五月_六月_七月_八月_九月_十月_十一月_十二月".split("_"),
    monthsShort: "1月_2月_3月_4月_5月_6月_7月_8月_9月_10月_11月_12月".split("_"),
    weekdays: "星期日_星期一_星期二_星期三_星期四_星期五_星期六".split("_"),
    weekdaysShort: "周日_周一_周二_周三_周四_周五_周六".split("_"),
    weekdaysMin: "日_一_二_三_四_五_六".split("_"),
    week: { dow: 1, doy: 4 }
  });
  var labels = { applyLabel: "确定", cancelLabel: "取消", fromLabel: "从", toLabel: "至",
                 weekLabel: "周", customRangeLabel: "自定义" };
  // daterangepicker.js is loaded after this file (with form.js); wrap it once it is there.
  var wrap = function () {
    var $ = window.jQuery;
    if (!$ || !$.fn.daterangepicker || $.fn.daterangepicker.zlcp) { return; }
    var original = $.fn.daterangepicker;
    $.fn.daterangepicker = function (options, callback) {
      options = $.extend({}, options || {});
      options.locale = $.extend({}, labels, options.locale || {});
      return original.call(this, options, callback);
    };
    $.fn.daterangepicker.zlcp = true;
  };
  if (window.jQuery) { window.jQuery(document).on("adminFormReady", wrap); }
  document.addEventListener("DOMContentLoaded", wrap);
})();
