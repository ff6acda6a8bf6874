"""The mitmproxy script shipped inside the package: ``mitmdump -s "$(toolguard addon-path)"``.

It sits in a directory of its own because mitmproxy puts a script's directory first on ``sys.path``
(docs: mitmproxy-notes §0): next to the other ``toolguard_core`` modules, ``store``, ``request`` or
``rules`` would become top-level modules that shadow anything else of that name. Here the only
neighbour is this file. :func:`toolguard_analysis.run.addon_script` finds it through ``importlib``,
so ``toolguard run`` works from a checkout and from a wheel installed anywhere (issue #13).
"""
