"""Win-back cases: a lost customer worth winning back, the real reason, the offer, the plan, and the return."""
