from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from program.cohorts.curriculum import CurriculumError, import_curriculum, load_file
from program.models import CurriculumDay, Exercise, ProgramDay

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "curriculum"


@pytest.mark.django_db
def test_import_then_reimport_keeps_ids_and_retires_instead_of_deleting(cohort, capsys):
    call_command("import_curriculum", str(FIXTURES / "mlab.toml"), "--cohort", cohort.slug)
    einsum_id = Exercise.objects.get(key="einsum").pk

    call_command("import_curriculum", str(FIXTURES / "mlab-v2.yaml"))

    out = capsys.readouterr().out
    einsum = Exercise.objects.get(key="einsum")
    assert out.splitlines()[0] == "MLAB curriculum 2026.11: 2 days, 3 exercises, 0 retired"
    assert "2 program days of MLAB3 mapped" in out
    assert out.splitlines()[-1] == "MLAB curriculum 2026.12: 3 days, 3 exercises, 1 retired"
    assert (einsum.pk, einsum.test_ids) == (einsum_id, ["test_einsum_trace", "test_einsum_mv", "test_einsum_outer"])
    assert Exercise.objects.get(key="broadcasting").retired is True
    assert list(CurriculumDay.objects.values_list("key", "number", "title")) == [
        ("w1d1", 1, "PyTorch and einops"),
        ("w1d2", 2, "Convolutions"),
        ("w1d3", 3, "ResNets"),
    ]
    first_day = ProgramDay.objects.filter(cohort=cohort).order_by("date").first()
    assert first_day.curriculum_day.key == "w1d1"


@pytest.mark.django_db
def test_bad_files_give_a_clear_error(tmp_path):
    bad = tmp_path / "c.toml"
    bad.write_text('slug = "x"\nname = "X"\n[[days]]\ntitle = "no key"\n')
    broken = tmp_path / "c.yaml"
    broken.write_text("slug: [unclosed\n")
    (tmp_path / "c.json").write_text("{}")

    with pytest.raises(CurriculumError, match="day 1: 'key' is required"):
        import_curriculum(load_file(bad))
    with pytest.raises(CurriculumError, match="not valid YAML"):
        load_file(broken)
    with pytest.raises(CommandError, match="use a .toml, .yaml or .yml file"):
        call_command("import_curriculum", str(tmp_path / "c.json"))
