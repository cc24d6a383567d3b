// Validates adaptive cards with Microsoft's own Adaptive Cards library, as schema 1.5 (what Teams
// renders for bots). Input: a JSON object of name -> card on stdin. Output: problems, then a summary.
const AC = require("adaptivecards/dist/adaptivecards.js");
const fs = require("fs");
const cards = JSON.parse(fs.readFileSync(0, "utf8"));
let failed = 0;
for (const [name, json] of Object.entries(cards)) {
  const context = new AC.SerializationContext(new AC.Version(1, 5));
  const card = new AC.AdaptiveCard();
  card.parse(json, context);
  const problems = [];
  for (let i = 0; i < context.eventCount; i++) {
    const e = context.getEventAt(i);
    problems.push(`${AC.ValidationEvent[e.event]}: ${e.message}`);
  }
  const results = card.validateProperties();
  for (const e of results.validationEvents) problems.push(`${AC.ValidationEvent[e.event]}: ${e.message}`);
  if (problems.length) { failed++; console.log(name + ": " + problems.join(" | ")); }
}
console.log(JSON.stringify({checked: Object.keys(cards).length, failed}));
