"""The simulated Android of a virtual phone: state, personas, and the Android shell commands."""

from wa_harden.virtual.android.persona import (
    Persona,
    list_personas,
    load_persona,
    persona_from_data,
)
from wa_harden.virtual.android.persona_schema import PersonaError

__all__ = ["Persona", "PersonaError", "list_personas", "load_persona", "persona_from_data"]
