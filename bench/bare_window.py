"""The bare-window floor (PERF-FLOORS 1c): QApplication + QMainWindow + 6 tabs, shown, one
processEvents(), exit. The app's cold start is compared with this, paired, in one run."""

import sys

from PySide6.QtWidgets import QApplication, QMainWindow, QTabWidget, QWidget

app = QApplication(sys.argv)
win = QMainWindow()
tabs = QTabWidget()
for name in ("客户", "跟进", "销售订单", "收款", "服务记录", "统计"):
    tabs.addTab(QWidget(), name)
win.setCentralWidget(tabs)
win.resize(1200, 800)
win.show()
app.processEvents()
sys.exit(0)
