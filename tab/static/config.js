// The channel tab's configuration page: nothing to choose; saving points the tab at /tab.
(async () => {
  await microsoftTeams.app.initialize();
  microsoftTeams.pages.config.registerOnSaveHandler((save) => {
    const base = window.location.origin;
    microsoftTeams.pages.config.setConfig({
      entityId: "strategy-oversight", suggestedDisplayName: "Strategy discussions",
      contentUrl: base + "/tab", websiteUrl: base + "/tab",
    }).then(() => save.notifySuccess(), (error) => save.notifyFailure(String(error)));
  });
  microsoftTeams.pages.config.setValidityState(true);
})();
