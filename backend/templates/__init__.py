"""Answer templates: reusable answer texts, global (admin) or per unit (its PICs)."""
