// The add-a-payment-method page: mounts the payment provider's hosted card
// fields (Stripe.js, loaded before this file) and confirms the setup intent
// with them; the card's details go to the provider only. When the provider
// says it succeeded, the hidden form tells the portal which setup intent to
// check. Without script nothing can be added, and the page says so.
(function () {
  "use strict";
  var form = document.getElementById("card-form");
  if (!form) return;
  var error = document.getElementById("card-error");
  var button = document.getElementById("card-submit");
  if (typeof window.Stripe !== "function") {
    error.textContent = "The payment provider's card fields could not be loaded. Check your connection and reload the page.";
    button.disabled = true;
    return;
  }
  var stripe = window.Stripe(form.getAttribute("data-publishable-key"));
  var card = stripe.elements().create("card");
  card.mount("#card-element");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    error.textContent = "";
    stripe.confirmCardSetup(form.getAttribute("data-client-secret"), { payment_method: { card: card } }).then(function (result) {
      if (result.error) {
        error.textContent = result.error.message || "The card could not be saved.";
        button.disabled = false;
        return;
      }
      document.getElementById("card-confirmed").submit();
    });
  });
})();
