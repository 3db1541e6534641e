"""Follow-ups: company-caused answers from customers who agreed to be contacted, answered by their manager."""
