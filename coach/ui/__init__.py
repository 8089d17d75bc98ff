"""The coaching panel: the only package of coach that imports PySide6.

Importing ``coach.ui`` (or ``coach.ui.commands``) does not import Qt: the CLI stays
fast and headless commands never need a display. The pure parts live here too:

* ``viewmodel``: ``PanelState`` and ``reduce(state, event)``, the pure fold of the
  call's events into what the panel shows (tested without Qt);
* ``recording``: a recorded call's events and the fold at any call time (replay seeks).

The Qt parts (``bridge``, ``widgets``, ``panel``, ``replay_window``, ``app``) are
imported only by the ``live`` and ``replay`` commands.
"""
