/* buurtwatt: repairs to the markup of Dash 4's own components, so screen readers and keyboards
 * get what they need (checked with axe-core in tests/dashboard/test_a11y.py). The pages keep
 * using the plain components; this runs after every change of the page.
 *  - RadioItems/Checklist options are <label role="option"> around a real <input>: the input is
 *    the control, so the label drops the role and its list becomes a radiogroup/group.
 *  - A <label for="x"> names component "x", but Dash puts that id on a wrapper <div>: the label
 *    is tied to the control inside (slider handle, number box, option group).
 *  - Controls without a label (date picker, progress bar) are named by their section's heading.
 *  - The date picker's wrapper carries aria-expanded without a role; the dropdown puts Tab on a
 *    hidden stand-in input that passes focus on to its button: Tab goes to the button itself. */
(function () {
  "use strict";
  var seq = 0;
  function idOf(el) {
    if (!el.id) el.id = "bw-a11y-" + (++seq);
    return el.id;
  }
  function named(el) {
    return el.hasAttribute("aria-label") || el.hasAttribute("aria-labelledby") ||
      (el.labels && el.labels.length > 0);
  }
  function headingFor(el) {
    for (var node = el; node && node !== document.body; node = node.parentElement) {
      var prev = node.previousElementSibling;
      while (prev) {
        if (/^H[1-6]$/.test(prev.tagName) || prev.tagName === "LABEL") return prev;
        var inner = prev.querySelector && prev.querySelector("h2, h3, label");
        if (inner && /^H[23]$/.test(prev.tagName) === false && prev.tagName === "SECTION") break;
        prev = prev.previousElementSibling;
      }
    }
    return null;
  }
  var CONTROLS = "[role=slider], input:not([type=hidden]):not(.dash-dropdown-focus-target), " +
    "[role=radiogroup], [role=group], [role=listbox], [role=progressbar], button";
  function repair() {
    // React sets aria-selected again on a click (it changed), even where the role is gone
    document.querySelectorAll("label[role=option], label[aria-selected]").forEach(function (label) {
      if (!label.querySelector("input")) return;
      label.removeAttribute("role");
      label.removeAttribute("aria-selected");
      var list = label.closest("[role=listbox]");
      if (list) list.setAttribute("role", label.querySelector("input[type=radio]") ? "radiogroup" : "group");
    });
    document.querySelectorAll("label[for]").forEach(function (label) {
      var target = document.getElementById(label.getAttribute("for"));
      if (!target || /^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(target.tagName)) return;
      var parts = [target].concat([].slice.call(target.querySelectorAll(CONTROLS)));
      parts.forEach(function (el) {
        if (el.getAttribute("role") || el.tagName === "INPUT") {
          if (!named(el) && !(el.type === "radio" || el.type === "checkbox")) {
            el.setAttribute("aria-labelledby", idOf(label));
          }
        }
      });
    });
    document.querySelectorAll("[role=radiogroup], [role=group], [role=slider], [role=progressbar], " +
        "input[type=number], input[type=text]").forEach(function (el) {
      if (named(el) || el.closest("[aria-hidden=true]")) return;
      var group = el.closest("[role=group], [role=radiogroup]");
      if (el.getAttribute("role") === "group" || el.getAttribute("role") === "radiogroup") {
        var text = (el.innerText || "").trim();
        var heading = headingFor(el);
        if (heading) el.setAttribute("aria-labelledby", idOf(heading));
        else if (text) el.setAttribute("aria-label", text);
        return;
      }
      var h = headingFor(group || el);
      if (h) el.setAttribute("aria-labelledby", idOf(h));
    });
    document.querySelectorAll("div[aria-expanded]:not([role])").forEach(function (el) {
      el.removeAttribute("aria-expanded");
    });
    document.querySelectorAll(".dash-dropdown-focus-target[aria-hidden=true]").forEach(function (el) {
      // Tab goes straight to the dropdown's own (named) button instead of a hidden stand-in
      var button = el.nextElementSibling;
      if (!button || button.tagName !== "BUTTON" || button.disabled) return;
      el.tabIndex = -1;
      button.tabIndex = 0;
    });
  }
  var pending = false;
  new MutationObserver(function () {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () { pending = false; repair(); });
  // attributes too: React puts role/aria-selected back on a re-render without adding nodes
  }).observe(document.documentElement, {
    subtree: true, childList: true, attributes: true,
    attributeFilter: ["role", "aria-selected", "aria-expanded"],
  });
  document.addEventListener("DOMContentLoaded", repair);
  // the dropdown hands Tab back to its stand-in when its button loses focus
  document.addEventListener("focusout", function () { setTimeout(repair, 0); }, true);
})();
