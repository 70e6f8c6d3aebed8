"""crm-desktop: an offline-first desktop CRM for small firms."""

__version__ = "0.1.0"
