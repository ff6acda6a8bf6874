"""mitmdump -s "$(toolguard addon-path)": toolguard's addon, from wherever the package is installed.

Thin on purpose: the addon and the content view are set up by :func:`toolguard_core.addon.make_addons`
(the checkout's ``addon/toolguard.py`` calls the same function).
"""

from toolguard_core.addon import make_addons

addons = make_addons()
