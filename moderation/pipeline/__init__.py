"""Pure scoring: normalise, rules, model, verdict. No web, storage or queue imports here."""
