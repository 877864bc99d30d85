// Live weighted total on the review form: sum(weight × score) / sum(weight) over scored criteria.
(function () {
  function update(form) {
    var groups = {}, weightSum = 0, total = 0, scored = 0, count = 0;
    form.querySelectorAll("input[type=radio][data-weight]").forEach(function (input) {
      if (!(input.name in groups)) { groups[input.name] = parseFloat(input.dataset.weight); count++; }
    });
    Object.keys(groups).forEach(function (name) {
      var checked = form.querySelector("input[name='" + name + "']:checked");
      if (checked) { total += groups[name] * parseInt(checked.value, 10); weightSum += groups[name]; scored++; }
    });
    var out = document.getElementById("weighted-total");
    if (out) {
      out.textContent = weightSum ? (total / weightSum).toFixed(2) + (scored < count ? " (so far)" : "") : "—";
    }
  }
  document.addEventListener("change", function (event) {
    var form = event.target.closest("form.review-form");
    if (form) { update(form); }
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.review-form").forEach(update);
  });
})();
