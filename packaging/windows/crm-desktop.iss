; Inno Setup 6 script: the Windows installer for the one-folder app in dist\crm-desktop\.
;
;   pyinstaller --noconfirm packaging\crm_desktop.spec        (or: make package)
;   iscc /DAppVersion=0.1.0 packaging\windows\crm-desktop.iss
;   -> dist\installer\crm-desktop-0.1.0-setup.exe
;
; Per user, no administrator rights: the app goes to %LOCALAPPDATA%\Programs\crm-desktop
; ({userpf}), shortcuts to the person's own Start menu (and desktop if ticked). The database,
; backups and settings are NOT here: the app keeps them in the per-user data folder
; (platformdirs: %LOCALAPPDATA%\crm-desktop\crm-desktop) or on the shared drive the firm chose,
; so installing a new version or uninstalling never touches them.
;
; Languages: English and Simplified Chinese. ChineseSimplified.isl is used from Inno Setup's own
; Languages folder when it is there, else from this folder (the CI workflow fetches it from the
; Inno Setup translations when the installed Inno Setup lacks it). This file is UTF-8 with a BOM,
; which Inno Setup 6 needs for the Chinese texts below.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
; The repository's top folder (this script is in packaging\windows\).
#define Root AddBackslash(SourcePath) + "..\.."
#ifndef SourceDir
  #define SourceDir Root + "\dist\crm-desktop"
#endif
#define AppName "crm-desktop"
#define AppExe "crm-desktop.exe"

#if FileExists(AddBackslash(CompilerPath) + "Languages\ChineseSimplified.isl")
  #define ChineseMessages "compiler:Languages\ChineseSimplified.isl"
#elif FileExists(AddBackslash(SourcePath) + "ChineseSimplified.isl")
  #define ChineseMessages AddBackslash(SourcePath) + "ChineseSimplified.isl"
#else
  #error ChineseSimplified.isl is missing: put Inno Setup's Simplified Chinese translation in Inno Setup's Languages folder or next to this script (see packaging/README.md).
#endif

[Setup]
; AppId identifies the product across versions (upgrades replace, uninstall finds it): never change it.
AppId={{60C68965-7F07-40AC-9846-AE8716FD660D}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher={#AppName}
VersionInfoVersion={#AppVersion}
PrivilegesRequired=lowest
DefaultDirName={userpf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
UsePreviousAppDir=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#Root}\dist\installer
OutputBaseFilename={#AppName}-{#AppVersion}-setup
SetupIconFile={#Root}\resources\icons\crm-desktop.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
WizardStyle=modern
Compression=lzma2/max
SolidCompression=yes
; A running crm-desktop holds its files open: ask to close it before replacing or removing them.
CloseApplications=yes
RestartApplications=no
ShowLanguageDialog=auto

[Languages]
Name: "chinesesimplified"; MessagesFile: "{#ChineseMessages}"
Name: "english"; MessagesFile: "compiler:Default.isl"

[CustomMessages]
english.DataKept=Your databases, backups and settings were not removed. They are in %1 (or where you chose to keep the database).
chinesesimplified.DataKept=您的数据库、备份和设置没有被删除，它们保存在 %1（或您选择存放数据库的位置）。
english.CommandLine=crm command line
chinesesimplified.CommandLine=crm 命令行

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
; The whole one-folder app: crm-desktop.exe (the windows), crm.exe (the command) and _internal\.
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Only what the installer put in {app} (and Python's caches beside it) goes; never the data folder.
Type: filesandordirs; Name: "{app}\_internal"

[Code]
// The data folder the app uses (core/config.py: platformdirs' user_data_path("crm-desktop",
// "crm-desktop")), named in the goodbye message so nobody thinks the records are gone.
procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if (CurUninstallStep = usPostUninstall) and not UninstallSilent then
    MsgBox(FmtMessage(CustomMessage('DataKept'), [ExpandConstant('{localappdata}\crm-desktop\crm-desktop')]),
      mbInformation, MB_OK);
end;
