/* Request form: search the language list, offer only the chosen language's dialects, and
   ask for a place only for appointments on site. Everything works without it. */
(function () {
  "use strict";
  var form = document.getElementById("request-form");
  if (!form) { return; }
  var language = form.querySelector("select[name=language]");
  var dialect = form.querySelector("select[name=dialect]");
  var searchField = document.getElementById("language-search-field");
  var search = document.getElementById("language-search");
  if (language && search) {
    searchField.hidden = false;
    search.addEventListener("input", function () {
      var needle = search.value.trim().toLowerCase();
      var firstMatch = null;
      Array.prototype.forEach.call(language.options, function (option) {
        if (!option.value) { return; }
        var match = !needle || option.text.toLowerCase().indexOf(needle) !== -1;
        option.hidden = !match;
        option.disabled = !match;
        if (match && !firstMatch) { firstMatch = option; }
      });
      if (firstMatch && language.selectedOptions[0] && language.selectedOptions[0].hidden) {
        language.value = firstMatch.value;
        language.dispatchEvent(new Event("change"));
      }
    });
  }
  function showDialects() {
    if (!dialect || !language) { return; }
    var chosen = language.value;
    var any = false;
    Array.prototype.forEach.call(dialect.options, function (option) {
      if (!option.value) { return; }
      var match = option.getAttribute("data-language") === chosen;
      option.hidden = !match;
      option.disabled = !match;
      any = any || match;
      if (!match && option.selected) { dialect.value = ""; }
    });
    document.getElementById("field-dialect").hidden = !any;
  }
  function showPlace() {
    var mode = form.querySelector("input[name=mode]:checked");
    var place = document.getElementById("field-location");
    if (place && mode) { place.hidden = mode.value !== "on_site"; }
  }
  if (language) { language.addEventListener("change", showDialects); showDialects(); }
  Array.prototype.forEach.call(form.querySelectorAll("input[name=mode]"), function (radio) {
    radio.addEventListener("change", showPlace);
  });
  showPlace();
}());
