"""mitmdump -s "$(toolguard addon-path)": toolguard's addon, from wherever the package is installed.

Thin on purpose: the addon and the content view are set up by :func:`toolguard_core.addon.script_namespace`
(the checkout's ``addon/toolguard.py`` calls the same function), which makes the addon's hooks this
module's own.
"""

from toolguard_core.addon import script_namespace

globals().update(script_namespace())
