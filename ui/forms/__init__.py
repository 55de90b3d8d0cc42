"""Attacks that want a settings form of their own: ``ui/forms/<attack>.py`` defining ``form(image_shape)``.

None does today; ``ui.attack_forms.generic_form`` draws every attack from its config's settings.
"""
