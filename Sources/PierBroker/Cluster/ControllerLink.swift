import Synchronization

/// The broker's controller as request handlers reach it (ElectLeaders). The controller is built
/// after the handlers' context (it needs the session and the metadata watcher), so the broker
/// attaches it here once it exists; until then handlers answer as on a broker that is not controller.
final class ControllerLink: Sendable {
    private let attached = Mutex<Controller?>(nil)

    func attach(_ controller: Controller) {
        attached.withLock { $0 = controller }
    }

    var controller: Controller? { attached.withLock { $0 } }
}
