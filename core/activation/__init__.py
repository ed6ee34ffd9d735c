"""Plugin activation: which plugins are enabled for a venue or a tournament."""
