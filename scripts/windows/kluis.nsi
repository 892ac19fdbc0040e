; The Kluis installer for Windows (`make windows-installer`), in Dutch and
; English. It installs for the current user only, without administrator
; rights, into %LOCALAPPDATA%\Programs\Kluis; adds a Start menu entry;
; registers the kluis: link scheme and Kluis's file types under
; HKCU\Software\Classes; and adds an uninstaller that removes the program
; but never the vault (%APPDATA%\Kluis), and says so.
;
; makensis -DVERSION=0.1.0 -DBUILD=1 -DSRCDIR=dist/windows -DICON=kluis.ico \
;          -DOUTFILE=dist/Kluis-Setup-0.1.0.exe scripts/windows/kluis.nsi

Unicode true
; Kluis is 64-bit only, and so is its installer (Wine without 32-bit support runs it too).
Target amd64-unicode
SetCompressor /SOLID lzma
RequestExecutionLevel user
ManifestDPIAware true

!include "MUI2.nsh"

!define APPNAME "Kluis"
!define UNINSTKEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\Kluis"
!define CLASSES "Software\Classes"

Name "${APPNAME}"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\Kluis"
InstallDirRegKey HKCU "${UNINSTKEY}" "InstallLocation"
BrandingText "Kluis ${VERSION}"
ShowInstDetails show
ShowUninstDetails show

VIProductVersion "${VERSION}.${BUILD}"
VIAddVersionKey /LANG=1043 "ProductName" "Kluis"
VIAddVersionKey /LANG=1043 "FileDescription" "Kluis installeren"
VIAddVersionKey /LANG=1043 "FileVersion" "${VERSION}.${BUILD}"
VIAddVersionKey /LANG=1043 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=1043 "CompanyName" "Kluis"
VIAddVersionKey /LANG=1043 "LegalCopyright" "Kluis"

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_ABORTWARNING
!define MUI_WELCOMEPAGE_TEXT "$(WelcomeText)"
!define MUI_FINISHPAGE_RUN "$INSTDIR\Kluis.exe"
!define MUI_FINISHPAGE_RUN_TEXT "$(RunKluis)"
!define MUI_UNCONFIRMPAGE_TEXT_TOP "$(UninstallKeepsVault)"

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES

; The first language is the default when Windows speaks neither.
!insertmacro MUI_LANGUAGE "Dutch"
!insertmacro MUI_LANGUAGE "English"

LangString WelcomeText ${LANG_DUTCH} "Met Kluis bewaart u uw eigen gegevens en documenten veilig op uw eigen computer. U kiest zelf wat u deelt, met wie en hoe lang.$\r$\n$\r$\nKluis wordt alleen voor u geïnstalleerd. U hebt daarvoor geen beheerder nodig.$\r$\n$\r$\nKlik op Volgende om verder te gaan."
LangString WelcomeText ${LANG_ENGLISH} "Kluis keeps your own records and documents safe on your own computer. You decide what you share, with whom and for how long.$\r$\n$\r$\nKluis is installed for you only. You do not need an administrator for this.$\r$\n$\r$\nClick Next to continue."
LangString RunKluis ${LANG_DUTCH} "Kluis nu starten"
LangString RunKluis ${LANG_ENGLISH} "Start Kluis now"
LangString UninstallKeepsVault ${LANG_DUTCH} "Kluis wordt van deze computer verwijderd. Uw kluis zelf blijft bewaard: uw gegevens en documenten in $APPDATA\Kluis worden niet gewist. Wilt u die ook kwijt? Verwijder die map dan zelf. Maak eerst een reservekopie als u ze later nog wilt gebruiken."
LangString UninstallKeepsVault ${LANG_ENGLISH} "Kluis will be removed from this computer. Your vault itself is kept: your records and documents in $APPDATA\Kluis are not deleted. If you want them gone too, delete that folder yourself. Make a backup first if you may want to use them later."
LangString KeptVault ${LANG_DUTCH} "Uw kluis is niet gewist. Die staat nog in $APPDATA\Kluis."
LangString KeptVault ${LANG_ENGLISH} "Your vault has not been deleted. It is still in $APPDATA\Kluis."
LangString StillRunning ${LANG_DUTCH} "Kluis is nog open. Sluit Kluis en klik dan op Opnieuw."
LangString StillRunning ${LANG_ENGLISH} "Kluis is still open. Close Kluis, then click Retry."
LangString TypeRequest ${LANG_DUTCH} "Kluis-verzoek om gegevens"
LangString TypeRequest ${LANG_ENGLISH} "Kluis data request"
LangString TypeIndex ${LANG_DUTCH} "Kluis-uitnodiging voor een wijkonderzoek"
LangString TypeIndex ${LANG_ENGLISH} "Kluis neighbourhood survey invitation"
LangString TypeReceipt ${LANG_DUTCH} "Kluis-ontvangstbewijs"
LangString TypeReceipt ${LANG_ENGLISH} "Kluis receipt"
LangString TypeBundle ${LANG_DUTCH} "Kluis-deling"
LangString TypeBundle ${LANG_ENGLISH} "Kluis share"
LangString LinkScheme ${LANG_DUTCH} "URL:Kluis-link"
LangString LinkScheme ${LANG_ENGLISH} "URL:Kluis link"

; FileType EXT PROGID DESCRIPTION: EXT opens with Kluis.exe "%1".
!macro FileType ext progid description
  WriteRegStr HKCU "${CLASSES}\${ext}" "" "${progid}"
  WriteRegStr HKCU "${CLASSES}\${progid}" "" "${description}"
  WriteRegStr HKCU "${CLASSES}\${progid}\DefaultIcon" "" "$INSTDIR\Kluis.exe,0"
  WriteRegStr HKCU "${CLASSES}\${progid}\shell\open\command" "" '"$INSTDIR\Kluis.exe" "%1"'
!macroend

; NoFileType EXT PROGID: removes the type, unless another program took EXT.
!macro NoFileType ext progid
  ReadRegStr $0 HKCU "${CLASSES}\${ext}" ""
  StrCmp $0 "${progid}" 0 +2
  DeleteRegKey HKCU "${CLASSES}\${ext}"
  DeleteRegKey HKCU "${CLASSES}\${progid}"
!macroend

; Kluis must not run while its files are replaced or removed.
!macro WaitForKluis
  retry:
  ClearErrors
  FileOpen $0 "$INSTDIR\Kluis.exe" a
  IfErrors 0 free
  IfFileExists "$INSTDIR\Kluis.exe" 0 done
  IfSilent done
  MessageBox MB_RETRYCANCEL|MB_ICONEXCLAMATION "$(StillRunning)" IDRETRY retry
  Abort
  free:
  FileClose $0
  done:
!macroend

Section "Kluis" SecMain
  SectionIn RO
  SetShellVarContext current
  SetOutPath "$INSTDIR"
  !insertmacro WaitForKluis
  File "${SRCDIR}/Kluis.exe"
  File "${SRCDIR}/kluisctl.exe"
  WriteUninstaller "$INSTDIR\Uninstall.exe"

  CreateShortcut "$SMPROGRAMS\Kluis.lnk" "$INSTDIR\Kluis.exe" "" "$INSTDIR\Kluis.exe" 0

  ; The kluis: link scheme: a click on such a link starts Kluis with it.
  WriteRegStr HKCU "${CLASSES}\kluis" "" "$(LinkScheme)"
  WriteRegStr HKCU "${CLASSES}\kluis" "URL Protocol" ""
  WriteRegStr HKCU "${CLASSES}\kluis\DefaultIcon" "" "$INSTDIR\Kluis.exe,0"
  WriteRegStr HKCU "${CLASSES}\kluis\shell\open\command" "" '"$INSTDIR\Kluis.exe" "%1"'
  !insertmacro FileType ".kluis" "Kluis.Bundle" "$(TypeBundle)"
  !insertmacro FileType ".kluis-request" "Kluis.Request" "$(TypeRequest)"
  !insertmacro FileType ".kluis-index" "Kluis.Index" "$(TypeIndex)"
  !insertmacro FileType ".kluis-receipt" "Kluis.Receipt" "$(TypeReceipt)"

  WriteRegStr HKCU "${UNINSTKEY}" "DisplayName" "Kluis"
  WriteRegStr HKCU "${UNINSTKEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTKEY}" "Publisher" "Kluis"
  WriteRegStr HKCU "${UNINSTKEY}" "DisplayIcon" "$INSTDIR\Kluis.exe,0"
  WriteRegStr HKCU "${UNINSTKEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTKEY}" "UninstallString" '"$INSTDIR\Uninstall.exe"'
  WriteRegStr HKCU "${UNINSTKEY}" "QuietUninstallString" '"$INSTDIR\Uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINSTKEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTKEY}" "NoRepair" 1

  ; Tell Explorer the file associations changed (SHCNE_ASSOCCHANGED).
  System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'
SectionEnd

Function .onInit
  SetShellVarContext current
FunctionEnd

Function un.onInit
  SetShellVarContext current
FunctionEnd

; The uninstaller removes the program, its Start menu entry and its
; registration. It never touches $APPDATA\Kluis, where the vault and its
; backups are.
Section "Uninstall"
  !insertmacro WaitForKluis
  Delete "$INSTDIR\Kluis.exe"
  Delete "$INSTDIR\kluisctl.exe"
  Delete "$INSTDIR\Uninstall.exe"
  RMDir "$INSTDIR"
  Delete "$SMPROGRAMS\Kluis.lnk"

  ReadRegStr $0 HKCU "${CLASSES}\kluis\shell\open\command" ""
  StrCmp $0 '"$INSTDIR\Kluis.exe" "%1"' 0 +2
  DeleteRegKey HKCU "${CLASSES}\kluis"
  !insertmacro NoFileType ".kluis" "Kluis.Bundle"
  !insertmacro NoFileType ".kluis-request" "Kluis.Request"
  !insertmacro NoFileType ".kluis-index" "Kluis.Index"
  !insertmacro NoFileType ".kluis-receipt" "Kluis.Receipt"
  DeleteRegKey HKCU "${UNINSTKEY}"
  System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'

  DetailPrint "$(KeptVault)"
  IfSilent +2
  MessageBox MB_OK|MB_ICONINFORMATION "$(KeptVault)"
SectionEnd
