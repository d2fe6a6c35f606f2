/* buurtwatt: the page's language everywhere the browser looks for it.
 * 1. <html lang> follows the page (in-app navigation swaps pages without a reload).
 * 2. The date picker shows Dutch months and days ("januari", "ma di wo") on a Dutch page.
 * 3. Plotly draws numbers and dates in the page's language: decimal comma and thousands dot,
 *    Dutch month and day names. Plotly is loaded on demand by the first graph; it announces
 *    itself as window.Plotly, which is where the Dutch locale is registered and every plot
 *    gets the page's language. */
(function () {
  "use strict";
  function pageLang() {
    var root = document.getElementById("page-root");
    return (root && root.getAttribute("lang")) || document.documentElement.lang || "nl";
  }
  function syncLang() {
    var lang = pageLang();
    if (document.documentElement.lang !== lang) document.documentElement.lang = lang;
  }
  new MutationObserver(syncLang).observe(document.documentElement, {
    subtree: true, childList: true, attributes: true, attributeFilter: ["lang"],
  });

  /* Dash's date picker takes its date-fns locale from window.dateFns.locale, chosen by the
   * browser's language, else the first one there. Offer Dutch only on a Dutch page, so the
   * picker speaks the page's language whatever the phone is set to. */
  var dateLocales = (window.dateFns && window.dateFns.locale) || {};
  if (window.dateFns) {
    Object.defineProperty(window.dateFns, "locale", {
      configurable: true,
      get: function () { return pageLang() === "nl" && dateLocales.nl ? { nl: dateLocales.nl } : {}; },
    });
  }

  var NL = {
    moduleType: "locale",
    name: "nl",
    dictionary: {},
    format: {
      days: ["zondag", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag"],
      shortDays: ["zo", "ma", "di", "wo", "do", "vr", "za"],
      months: ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
               "september", "oktober", "november", "december"],
      shortMonths: ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"],
      date: "%d-%m-%Y",
      decimal: ",",
      thousands: ".",
    },
  };
  function withLocale(config) {
    var out = Object.assign({}, config || {});
    if (!out.locale) out.locale = pageLang() === "nl" ? "nl" : "en";
    return out;
  }
  function patch(P) {
    if (!P || P.__bwLocale) return;
    P.__bwLocale = true;
    P.register(NL);
    ["react", "newPlot"].forEach(function (name) {
      var original = P[name];
      if (typeof original !== "function") return;
      P[name] = function (gd, data, layout, config) {
        if (data && !Array.isArray(data) && typeof data === "object") {
          // the figure form Dash uses: Plotly.react(gd, {data, layout, config, frames})
          return original.call(P, gd, Object.assign({}, data, { config: withLocale(data.config) }));
        }
        return original.call(P, gd, data, layout, withLocale(config));
      };
    });
  }
  var current = window.Plotly;
  if (current) {
    patch(current);
  } else {
    Object.defineProperty(window, "Plotly", {
      configurable: true,
      enumerable: true,
      get: function () { return current; },
      set: function (value) { current = value; patch(value); },
    });
  }
})();
