/* Request form: search the language list (one match left selects it), offer only the
   chosen language's dialects, and ask for a place only on site, a meeting link only for
   video and a dial-in number only by phone. Everything works without it. */
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
    var status = document.getElementById("language-search-status");
    search.addEventListener("input", function () {
      var needle = search.value.trim().toLowerCase();
      var matches = [];
      Array.prototype.forEach.call(language.options, function (option) {
        if (!option.value) { return; }
        var code = (option.getAttribute("data-code") || "").toLowerCase();
        var match = !needle || option.text.toLowerCase().indexOf(needle) !== -1 || code === needle;
        option.hidden = !match;
        option.disabled = !match;
        if (match) { matches.push(option); }
      });
      var selected = language.selectedOptions[0];
      // One match left: it is the language meant. Otherwise keep a still visible choice.
      if (needle && matches.length === 1 && language.value !== matches[0].value) {
        language.value = matches[0].value;
        language.dispatchEvent(new Event("change"));
      } else if (matches.length && selected && selected.hidden) {
        language.value = "";
        language.dispatchEvent(new Event("change"));
      }
      if (status) {
        status.textContent = !needle ? "" : matches.length === 1
          ? (search.getAttribute("data-one") || "").replace("%s", matches[0].text)
          : (search.getAttribute("data-many") || "").replace("%s", String(matches.length));
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
    if (!mode) { return; }
    var shown = {
      "field-location": mode.value === "on_site",
      "field-meeting_url": mode.value === "video",
      "field-dial_in_number": mode.value === "phone",
      "field-dial_in_pin": mode.value === "phone"
    };
    Object.keys(shown).forEach(function (id) {
      var element = document.getElementById(id);
      if (element) { element.hidden = !shown[id]; }
    });
  }
  if (language) { language.addEventListener("change", showDialects); showDialects(); }
  Array.prototype.forEach.call(form.querySelectorAll("input[name=mode]"), function (radio) {
    radio.addEventListener("change", showPlace);
  });
  showPlace();
}());
