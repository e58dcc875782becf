// sagactl: the command line for sagad; everything lives in SagaControl.
import SagaControl

@main
enum Sagactl {
    static func main() async {
        await SagactlCommand.main()
    }
}
