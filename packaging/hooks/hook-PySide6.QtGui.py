"""PyInstaller's own hook for PySide6.QtGui, less the Qt plugins a desktop app never loads.

Used instead of PyInstaller's (crm_desktop.spec: hookspath). The GTK3 platform theme is left out
because it loads the system's GTK against the cairo, pango and glib libraries PyInstaller would
bundle beside it (a known cause of crashes on other distributions; Qt's own style is used
instead), and because the bundle would carry that whole stack; the embedded-device platforms
(eglfs, linuxfb, vnc, vkkhrdisplay) and the evdev/tuio input plugins only matter without a
desktop. xcb, wayland, offscreen, the input methods (ibus, compose), printing and image formats
stay.
"""

from PyInstaller.utils.hooks.qt import add_qt6_dependencies

UNUSED = (
    "/platformthemes/libqgtk3",
    "/egldeviceintegrations/",
    "/platforms/libqeglfs",
    "/platforms/libqminimalegl",
    "/platforms/libqlinuxfb",
    "/platforms/libqvnc",
    "/platforms/libqvkkhrdisplay",
    "/generic/",
)

hiddenimports, binaries, datas = add_qt6_dependencies(__file__)
binaries = [
    (source, target)
    for source, target in binaries
    if not any(part in source.replace("\\", "/") for part in UNUSED)
]
