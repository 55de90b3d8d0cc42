"""Attacks that want a settings form of their own: ``ui/forms/<attack>.py`` defining ``form(image_shape)``.

``drawn.py`` (a canvas to draw the trigger on, and a picture to tap); ``ui.attack_forms.generic_form`` draws
every other attack from its config's settings.
"""
