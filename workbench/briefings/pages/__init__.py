"""The five briefing pages, one module each (``workbench.briefings`` calls them by name).

They live in a package of their own because each module is named like its page function: as
submodules of ``workbench.briefings``, the first import of ``workbench.briefings.overview`` would
have replaced the function ``briefings.overview`` by the module, so a page could be called once.
"""
