// The resident ID number checked as one types (GB 11643-1999, ISO 7064 MOD 11-2), with
// the reason shown beside the input; the server checks it again on saving.
(function () {
  "use strict";
  var WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  var CHECK = "10X98765432";
  var zh = document.documentElement.lang !== "en";
  function problem(text) {
    if (text.length === 0) return "";
    if (!/^[0-9]{0,17}[0-9Xx]?$/.test(text)) {
      return zh ? "只能是数字，最后一位可为 X" : "digits only, the last may be X";
    }
    if (text.length < 18) {
      return zh ? "还差 " + (18 - text.length) + " 位（共 18 位）" : (18 - text.length) + " more characters (18 in all)";
    }
    var y = +text.slice(6, 10), m = +text.slice(10, 12), d = +text.slice(12, 14);
    var born = new Date(Date.UTC(y, m - 1, d));
    if (born.getUTCFullYear() !== y || born.getUTCMonth() !== m - 1 || born.getUTCDate() !== d) {
      return zh ? "出生日期 " + text.slice(6, 14) + " 不存在" : "impossible birth date " + text.slice(6, 14);
    }
    var total = 0;
    for (var i = 0; i < 17; i++) total += (+text[i]) * WEIGHTS[i];
    var expected = CHECK[total % 11];
    if (text[17].toUpperCase() !== expected) {
      return zh ? "校验位不符：最后一位应为 " + expected : "check digit fails: the last character should be " + expected;
    }
    return null;
  }
  document.querySelectorAll("input[data-id-number]").forEach(function (input) {
    var out = document.getElementById("id-check");
    var birth = document.getElementById("birth_on");
    function show() {
      var text = input.value.trim();
      var found = problem(text);
      input.classList.toggle("invalid", !!found && text.length > 0);
      input.setAttribute("aria-invalid", found ? "true" : "false");
      if (out) {
        out.textContent = found === null ? (zh ? "号码有效" : "valid number") : found;
        out.className = "id-check " + (found === null ? "good" : found ? "bad" : "help");
      }
      if (found === null && birth && !birth.value) {
        birth.value = text.slice(6, 10) + "-" + text.slice(10, 12) + "-" + text.slice(12, 14);
      }
    }
    input.addEventListener("input", show);
    show();
  });
})();
