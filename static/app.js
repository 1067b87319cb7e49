// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";

  // Close an open header menu when clicking elsewhere.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });

  // Preview the URL name derived from the organization name, as the server derives it.
  var name = document.getElementById("name");
  var slug = document.getElementById("slug");
  if (name && slug && slug.placeholder) {
    var derive = function (text) {
      return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40).replace(/-+$/, "");
    };
    var update = function () {
      var d = derive(name.value);
      slug.placeholder = d.length >= 2 ? d : "derived from the name";
    };
    name.addEventListener("input", update);
    update();
  }

  // Copy buttons: <button data-copy="input-id">.
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var input = document.getElementById(button.getAttribute("data-copy"));
      if (!input) return;
      input.select();
      var done = function () { button.textContent = "Copied"; };
      if (navigator.clipboard) navigator.clipboard.writeText(input.value).then(done, function () {});
      else if (document.execCommand("copy")) done();
    });
  });

  // Ask before a button with data-confirm submits its form.
  document.querySelectorAll("[data-confirm]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      if (!window.confirm(button.getAttribute("data-confirm"))) event.preventDefault();
    });
  });
})();
