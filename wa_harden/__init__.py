"""wa-harden: audit and harden Android phones used for WhatsApp Business under the GDPR."""

__version__ = "0.1.0"
