"""Services: one capability each, typed results with machine keys (`results`), one facade (`platform`)."""
