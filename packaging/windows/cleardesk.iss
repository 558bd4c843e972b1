; Inno Setup script: ClearDesk-Setup-<version>.exe from the PyInstaller bundle in dist\cleardesk.
; UNTESTED: written on Linux, where neither PyInstaller's Windows build nor Inno Setup can run.
; Build on a Windows machine with Python 3.11+ and Inno Setup 6, from the project folder:
;
;   py -m venv .venv && .venv\Scripts\pip install -e .[postgres,dist]
;   .venv\Scripts\python packaging\write_build_info.py
;   .venv\Scripts\pyinstaller --noconfirm --distpath dist --workpath build\pyinstaller packaging\cleardesk.spec
;   iscc /DAppVersion=0.1.0 packaging\windows\cleardesk.iss
;
; Installs per machine under Program Files\ClearDesk; Start-menu entry runs ClearDesk.exe (GUI),
; cleardesk.exe is the command line. Uninstalling leaves the users' data folders
; (%LOCALAPPDATA%\ClearDesk) alone. Copy the Setup.exe into the office's updateFolder and
; ClearDesk says a newer version is there.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif

[Setup]
AppId={{6C1E4C9A-2F0B-4E52-9B7C-C1EA2DE5C0DE}
AppName=ClearDesk
AppVersion={#AppVersion}
AppPublisher=ClearDesk
DefaultDirName={autopf}\ClearDesk
DefaultGroupName=ClearDesk
DisableProgramGroupPage=yes
OutputDir=..\..\dist
OutputBaseFilename=ClearDesk-Setup-{#AppVersion}
SetupIconFile=..\cleardesk.ico
UninstallDisplayIcon={app}\ClearDesk.exe
Compression=lzma2
SolidCompression=yes
ArchitecturesInstallIn64BitMode=x64compatible
ArchitecturesAllowed=x64compatible
PrivilegesRequired=admin

[Languages]
Name: "en"; MessagesFile: "compiler:Default.isl"
; Inno Setup ships Chinese as an unofficial translation: add ChineseSimplified.isl next to
; this file to get a Chinese installer.
; Name: "zh_CN"; MessagesFile: "ChineseSimplified.isl"

[Files]
Source: "..\..\dist\cleardesk\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\ClearDesk"; Filename: "{app}\ClearDesk.exe"
Name: "{autodesktop}\ClearDesk"; Filename: "{app}\ClearDesk.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[Run]
Filename: "{app}\ClearDesk.exe"; Description: "{cm:LaunchProgram,ClearDesk}"; Flags: nowait postinstall skipifsilent
