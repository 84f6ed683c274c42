import ACIAdmissionCLI

await ACIAdmissionCommand.mainWithProjectExitCodes()
